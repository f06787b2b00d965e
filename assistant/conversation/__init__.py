"""The conversation: turns (mic → endpoint → ASR → reply → TTS → speaker), listening, speaking."""
