"""A faithful local DingTalk: new API, oapi, Stream gateway and a control API on one port."""
