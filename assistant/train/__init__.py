"""Training-data preparation and voice training (library code; scripts/ only parses arguments)."""
