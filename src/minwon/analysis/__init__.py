"""Korean text analysis of voices: personal-data masking, routing, similarity and tone."""
