"""Demo logins printed by `make run`; the people themselves are built by seed_demo."""

DEMO_PASSWORD = "mentorloom-demo"
DEMO_LOGINS: list[tuple[str, str]] = [
    ("admin", "admin@demo.mentorloom.org"),
    ("mentor", "aiko.tanaka@demo.mentorloom.org"),
    ("mentee", "lucas.oliveira@demo.mentorloom.org"),
]
