"""Domain vocabulary shared by services and storage: statuses, money, carriers, errors.

Pure Python: no framework, no database."""
