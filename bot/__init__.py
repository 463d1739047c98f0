"""The DingTalk edge that receives: the Stream listener and the HTTP callback endpoints."""
