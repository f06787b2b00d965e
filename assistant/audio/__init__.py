"""Audio devices: microphone and speaker."""
