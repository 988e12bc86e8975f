"""``python -m cimlab`` runs the command line."""

from cimlab.cli import main

raise SystemExit(main())
