"""``python -m mock_portal [options]``: see ``mock_portal.server``."""

from mock_portal.server import main

main()
