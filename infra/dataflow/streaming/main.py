"""Flex template entry point: only calls the package's run(); the package is installed in the image."""

from pipelines.streaming import run

if __name__ == "__main__":
    run()
