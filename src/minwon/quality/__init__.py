"""Service quality in practice: checklists (self, peer and mystery checks), mystery visits and
calls planned by the CS manager, and each unit's one service promise."""
