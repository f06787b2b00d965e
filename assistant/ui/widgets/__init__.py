"""Small widgets of the chat screen."""
