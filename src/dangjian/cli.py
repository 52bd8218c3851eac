"""The `dangjian` console command: Django's manage command under the product's name."""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "dangjian"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
