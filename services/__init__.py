"""Use cases: one public function is one unit of work. No Flask, RQ or DingTalk here."""
