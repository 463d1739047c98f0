"""The background check after an accepted offer (issue 20): consent, vendor, HR's decision."""
