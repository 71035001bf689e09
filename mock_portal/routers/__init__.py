"""One router per portal area."""
