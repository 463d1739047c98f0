"""Chat with the bot: commands in Chinese and English, parsed from untrusted text and answered
from the cache (`commands`)."""
