"""The spreadsheet import of an AI-interview vendor's score export (issue 23)."""
