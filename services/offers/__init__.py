"""The offer (issue 19): drafted from the score, approved and sent from chat, answered in the
mini-app. `salary` is the pure rule; `draft`, `send`, `answer` the use cases."""
