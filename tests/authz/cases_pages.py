"""Matrix cases for every page (keys are URL names). Filled in with the pages."""
from tests.authz.engine import Case

PAGE_CASES = [
    Case("healthz", "public"),
    Case("login", "public"),
    Case("home", "login"),
]
