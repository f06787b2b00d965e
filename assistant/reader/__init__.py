"""Reading documents aloud: extraction, the reading cursor and saved place, audiobook export."""
