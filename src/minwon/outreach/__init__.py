"""Outreach: daily resident contacts, targets, request cards with QR codes, campaigns."""
