# Keep this file tiny: put fixtures in their own module and list it here.
pytest_plugins = ["tests.store_fixtures"]
