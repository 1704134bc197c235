"""Import a city's ward boundaries from its GIS export (a GeoJSON FeatureCollection)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cwg import geo, services


class Command(BaseCommand):
    help = (
        "Import ward boundaries from a GeoJSON FeatureCollection of Polygon/MultiPolygon "
        "features in WGS 84. Updates wards in place (running it twice changes nothing) and "
        "recomputes neighbours from shared borders. A bad file is refused as a whole."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--number-property",
            default="ward",
            help="the feature property holding the ward number (default: ward)",
        )
        parser.add_argument(
            "--name-property",
            default="ward_name",
            help="the feature property holding the ward name (default: ward_name; '' for none)",
        )

    def handle(self, *args, file, number_property, name_property, **options):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        try:
            shapes = geo.read_boundaries(
                text, number_property=number_property, name_property=name_property
            )
        except geo.BoundaryFileError as error:
            raise CommandError(f"{file}: {error}") from error
        result = services.import_ward_boundaries(shapes)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(shapes)} wards from {file.name}: {len(result.created)} created, "
                f"{len(result.changed)} changed, {len(result.unchanged)} unchanged."
            )
        )
        for label, numbers in (("Created", result.created), ("Changed", result.changed)):
            if numbers:
                self.stdout.write(f"{label}: wards {_numbers(numbers)}.")
        if result.left:
            self.stdout.write(f"Not in the file, left in place: wards {_numbers(result.left)}.")
        if result.unbounded:
            self.stdout.write(
                f"Their old boundaries were removed: wards {_numbers(result.unbounded)}."
            )


def _numbers(numbers):
    return ", ".join(str(n) for n in numbers)
