"""Actions (반영 조치): what the agency did because of voices, and telling the citizens."""
