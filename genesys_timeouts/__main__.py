"""``python -m genesys_timeouts`` runs the command line."""

from .cli import main

main(prog_name="genesys-timeouts")
