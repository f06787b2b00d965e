"""Screens of the app: the chat and its dialogs."""
