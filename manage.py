#!/usr/bin/env python
"""Same as the `mindwell` command; kept for habit."""

from mindwell.cli import main

if __name__ == "__main__":
    main()
