"""Re-scores stored feature sets; run by hand."""
import argparse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    print(f"backfilling {args.limit} rows")


if __name__ == "__main__":
    main()
