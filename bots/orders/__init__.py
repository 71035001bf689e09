"""Orders: the order model (``model``), the business rules (``rules``), the order-file
readers (``readers``) and fixture-matching samples (``samples``). See README.md here."""
