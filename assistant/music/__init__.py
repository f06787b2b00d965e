"""Emotion-conditioned melodies: the LSTM generator, its note encoding, and rendering to sound."""
