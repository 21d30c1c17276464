"""Builders for Lens saved objects (Kibana 8.x, form-based data source, one data layer).

Only the operations Dozor's charts need: count, terms and a daily date histogram. Column ids are fixed
strings so that the generated objects are identical from one run to the next.
"""

from __future__ import annotations

from typing import Any

from surfaces.kibana.saved_object import saved_object

LAYER = "layer1"
COUNT = "count"
LENS_MIGRATION = "8.9.0"


def count_column(label: str = "Posts") -> dict[str, Any]:
    return {
        "label": label,
        "customLabel": True,
        "dataType": "number",
        "operationType": "count",
        "isBucketed": False,
        "scale": "ratio",
        "sourceField": "___records___",
        "params": {"emptyAsNull": True},
    }


def terms_column(field: str, label: str, size: int, data_type: str = "string") -> dict[str, Any]:
    return {
        "label": label,
        "customLabel": True,
        "dataType": data_type,
        "operationType": "terms",
        "sourceField": field,
        "isBucketed": True,
        "scale": "ordinal",
        "params": {
            "size": size,
            "orderBy": {"type": "column", "columnId": COUNT},
            "orderDirection": "desc",
            "otherBucket": True,
            "missingBucket": False,
            "parentFormat": {"id": "terms"},
            "include": [],
            "exclude": [],
            "includeIsRegex": False,
            "excludeIsRegex": False,
        },
    }


def day_histogram_column(field: str, label: str) -> dict[str, Any]:
    return {
        "label": label,
        "customLabel": True,
        "dataType": "date",
        "operationType": "date_histogram",
        "sourceField": field,
        "isBucketed": True,
        "scale": "interval",
        "params": {"interval": "1d", "includeEmptyRows": True, "dropPartials": False},
    }


def xy_visualization(series: str, x: str, split: str | None) -> dict[str, Any]:
    layer: dict[str, Any] = {
        "layerId": LAYER,
        "layerType": "data",
        "seriesType": series,
        "xAccessor": x,
        "accessors": [COUNT],
        "position": "top",
        "showGridlines": False,
    }
    if split is not None:
        layer["splitAccessor"] = split
    flags = {"x": True, "yLeft": True, "yRight": True}
    return {
        "legend": {"isVisible": True, "position": "right"},
        "valueLabels": "hide",
        "fittingFunction": "None",
        "axisTitlesVisibilitySettings": flags,
        "tickLabelsVisibilitySettings": flags,
        "gridlinesVisibilitySettings": flags,
        "preferredSeriesType": series,
        "layers": [layer],
    }


def donut_visualization(group: str) -> dict[str, Any]:
    return {
        "shape": "donut",
        "layers": [
            {
                "layerId": LAYER,
                "layerType": "data",
                "primaryGroups": [group],
                "metrics": [COUNT],
                "numberDisplay": "percent",
                "categoryDisplay": "default",
                "legendDisplay": "default",
                "nestedLegend": False,
            }
        ],
    }


def lens(
    obj_id: str,
    title: str,
    data_view_id: str,
    vis_type: str,
    columns: dict[str, dict[str, Any]],
    visualization: dict[str, Any],
    description: str = "",
) -> dict[str, Any]:
    """A Lens object whose single layer holds ``columns`` (buckets first, then the count)."""
    attributes = {
        "title": title,
        "description": description,
        "visualizationType": vis_type,
        "state": {
            "datasourceStates": {
                "formBased": {
                    "layers": {LAYER: {"columns": columns, "columnOrder": list(columns), "incompleteColumns": {}}}
                }
            },
            "visualization": visualization,
            "query": {"query": "", "language": "kuery"},
            "filters": [],
        },
    }
    refs = [{"type": "index-pattern", "id": data_view_id, "name": f"indexpattern-datasource-layer-{LAYER}"}]
    return saved_object("lens", obj_id, attributes, refs, LENS_MIGRATION)
