"""Speech recognition: Vosk, the offline Whisper fallback, voice activity detection."""
