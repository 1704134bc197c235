"""Ward geometry: reading a city's ward boundaries (GeoJSON), neighbours by shared border, the
point-in-ward lookup, and simplified outlines for the maps and CAP areas.

Geometry is shapely's (GEOS ships inside its wheel: no system library). Each process keeps one
index of the wards' polygons (an STRtree) and rebuilds it when the stored boundaries change:
every use asks the database for the boundaries' version (one small aggregate query).
"""

import json
import threading
from dataclasses import dataclass, field

import shapely
from shapely.geometry import Point, mapping, shape
from shapely.validation import explain_validity

# Degrees. Wards whose borders run together for at least NEIGHBOUR_MIN_BORDER (about 10 m)
# are neighbours; touching at a corner is not enough. TOLERANCE (about 1 m) absorbs the float
# noise of a GIS export along shared borders.
TOLERANCE = 1e-5
NEIGHBOUR_MIN_BORDER = 1e-4
# Outlines drawn on the maps: about 10 m of detail, coordinates to about 1 m.
OUTLINE_TOLERANCE = 1e-4
OUTLINE_DECIMALS = 5
MAX_PROBLEMS_SHOWN = 20


class BoundaryFileError(Exception):
    """A ward boundary file that cannot be imported; `problems` says why, one line each."""

    def __init__(self, problems):
        self.problems = problems
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        text = "\n".join(f"  - {p}" for p in shown) + (f"\n  ... and {more} more" if more else "")
        super().__init__(f"The ward boundary file was not imported:\n{text}")


@dataclass
class WardShape:
    """One ward as read from a boundary file."""

    number: int
    name: str
    geometry: object  # a shapely Polygon or MultiPolygon
    geojson: dict = field(repr=False)

    @property
    def bbox(self):
        return [round(v, 7) for v in self.geometry.bounds]

    @property
    def centre(self):
        """A point inside the ward (a centroid can fall outside a crescent-shaped ward)."""
        point = self.geometry.representative_point()
        return round(point.y, 6), round(point.x, 6)


def read_boundaries(text, *, number_property, name_property):
    """Parse and check a GeoJSON FeatureCollection of ward polygons. Returns [WardShape], or
    raises BoundaryFileError listing every problem found (so nothing is half-imported)."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise BoundaryFileError([f"not valid JSON ({error})"]) from error
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryFileError(["not a GeoJSON FeatureCollection (its top-level type is wrong)"])
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryFileError(["the FeatureCollection has no features"])
    problems, wards, seen = [], [], {}
    for index, feature in enumerate(features, start=1):
        ward = _read_feature(index, feature, number_property, name_property, problems)
        if ward is None:
            continue
        if ward.number in seen:
            problems.append(
                f"feature {index}: ward {ward.number} again (first in {seen[ward.number]})"
            )
            continue
        seen[ward.number] = f"feature {index}"
        wards.append(ward)
    if problems:
        raise BoundaryFileError(problems)
    return wards


def _read_feature(index, feature, number_property, name_property, problems):
    where = f"feature {index}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problems.append(f"{where}: not a GeoJSON Feature")
        return None
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        properties = {}
    found = ", ".join(sorted(properties)) or "none"
    number = properties.get(number_property)
    if number is None:
        problems.append(f"{where}: no ward number property '{number_property}' (it has: {found})")
        return None
    try:
        number = int(str(number).strip())
    except ValueError:
        number = 0
    if not 1 <= number <= 32767:
        problems.append(f"{where}: the ward number {properties[number_property]!r} is not a number")
        return None
    where = f"{where} (ward {number})"
    name = ""
    if name_property:
        name = properties.get(name_property)
        if name is None:
            problems.append(f"{where}: no ward name property '{name_property}' (it has: {found})")
            return None
        name = str(name).strip()
        if len(name) > 100:
            problems.append(f"{where}: the name is longer than 100 characters")
            return None
    geometry = _read_geometry(where, feature.get("geometry"), problems)
    if geometry is None:
        return None
    geojson = {"type": feature["geometry"]["type"], "coordinates": mapping(geometry)["coordinates"]}
    return WardShape(number=number, name=name, geometry=geometry, geojson=_as_lists(geojson))


def _read_geometry(where, geometry, problems):
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geometry.get("type") if isinstance(geometry, dict) else geometry
        problems.append(f"{where}: the geometry must be a Polygon or MultiPolygon, not {kind!r}")
        return None
    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError) as e:
        problems.append(f"{where}: the polygon's coordinates cannot be read ({e})")
        return None
    if polygon.is_empty:
        problems.append(f"{where}: the polygon is empty")
        return None
    west, south, east, north = polygon.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        problems.append(f"{where}: coordinates outside longitude/latitude range (not WGS 84?)")
        return None
    if not polygon.is_valid:
        problems.append(f"{where}: the polygon is invalid: {explain_validity(polygon)}")
        return None
    return polygon


def _as_lists(value):
    """Tuples to lists, so the stored JSON compares equal to what the database gives back."""
    if isinstance(value, (list, tuple)):
        return [_as_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_lists(v) for k, v in value.items()}
    return value


def neighbour_pairs(shapes):
    """Pairs of ward numbers whose polygons share a border (not merely a corner)."""
    geometries = [s.geometry for s in shapes]
    tree = shapely.STRtree(geometries)
    grown = [g.buffer(TOLERANCE) for g in geometries]
    pairs = set()
    for i, geometry in enumerate(geometries):
        for j in tree.query(grown[i], predicate="intersects"):
            j = int(j)
            if j <= i:
                continue
            border = geometry.boundary.intersection(grown[j]).length
            if border >= NEIGHBOUR_MIN_BORDER:
                pairs.add((shapes[i].number, shapes[j].number))
    return pairs


# --- The per-process index -------------------------------------------------------------------


class WardIndex:
    """The stored wards' polygons, for point-in-ward lookups and map outlines."""

    def __init__(self, rows):
        # rows: (pk, number, name, GeoJSON geometry), ordered by number
        self.pks = [pk for pk, _, _, _ in rows]
        self.numbers = [number for _, number, _, _ in rows]
        self.names = [name for _, _, name, _ in rows]
        self.geometries = [shape(geojson) for _, _, _, geojson in rows]
        self.tree = shapely.STRtree(self.geometries)
        self._derived = {}

    def derived(self, key, compute):
        """A value made from these boundaries (an outline file, CAP polygons), computed once
        per index: a new import makes a new index."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def ward_at(self, latitude, longitude):
        """The key of the ward containing the point (on a shared border: the lower-numbered
        ward), or None outside every ward."""
        hits = self.tree.query(Point(longitude, latitude), predicate="intersects")
        if len(hits) == 0:
            return None
        return self.pks[min(int(i) for i in hits)]

    def outlines_geojson(self):
        """A FeatureCollection of simplified ward outlines for the maps, as JSON text."""
        return self.derived("outlines", self._outlines)

    def _outlines(self):
        features = [
            {
                "type": "Feature",
                "id": pk,
                "properties": {"number": number, "name": name},
                "geometry": mapping(
                    shapely.set_precision(
                        geometry.simplify(OUTLINE_TOLERANCE), 10**-OUTLINE_DECIMALS
                    )
                ),
            }
            for pk, number, name, geometry in zip(
                self.pks, self.numbers, self.names, self.geometries, strict=True
            )
        ]
        collection = {"type": "FeatureCollection", "features": features}
        return json.dumps(collection, separators=(",", ":"))

    def geometry_of(self, pk):
        return self.geometries[self.pks.index(pk)]

    def city(self):
        """The union of every ward: the whole city's area."""
        return self.derived(
            "city", lambda: shapely.union_all([g.buffer(TOLERANCE) for g in self.geometries])
        )


_cache = {"version": None, "index": None}
_lock = threading.Lock()


def boundaries_version():
    """Changes whenever stored boundaries change: the number of wards and the latest boundary
    change (every import stamps what it changes). Both come from indexes, not the polygons."""
    from django.db.models import Count, Max

    from cwg.models import Ward

    stats = Ward.objects.aggregate(n=Count("pk"), at=Max("boundary_changed_at"))
    return (stats["n"], stats["at"].isoformat() if stats["at"] else "")


def ward_index():
    """This process's WardIndex, rebuilt when the stored boundaries changed; None while no ward
    has a boundary (the placeholder wards)."""
    version = boundaries_version()
    with _lock:
        if _cache["version"] != version:
            from cwg.models import Ward

            rows = list(
                Ward.objects.with_boundary().values_list("pk", "number", "name", "boundary")
            )
            _cache["index"] = WardIndex(rows) if rows else None
            _cache["version"] = version
        return _cache["index"]


def invalidate():
    with _lock:
        _cache["version"] = None
        _cache["index"] = None


def ward_at(latitude, longitude):
    """The key of the ward containing the point, or None (outside, or no boundaries stored)."""
    index = ward_index()
    return index.ward_at(latitude, longitude) if index else None
