"""``python -m kg.cli``: the same command as the ``kg`` console script."""

from kg.cli.group import main

if __name__ == "__main__":
    main()
