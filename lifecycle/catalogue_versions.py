"""Every catalogue version an approval was computed with stays loadable by its hash."""

from __future__ import annotations

from uuid import UUID

from lifecycle.chain import Chained
from lifecycle.ids import aggregate_uuid


def catalogue_uuid(version: str) -> UUID:
    return aggregate_uuid("catalogue", version)


class CatalogueSnapshot(Chained):
    class CatalogueVersionRecorded(Chained.Created):
        version: str
        sources: dict  # file name -> text

        def apply(self, agg: CatalogueSnapshot) -> None:
            # Not `agg.version`: that is the aggregate's own version number.
            agg.catalogue_version, agg.sources = self.version, dict(self.sources)

    @classmethod
    def of(cls, version: str, sources: dict[str, str]) -> CatalogueSnapshot:
        return cls.start(cls.CatalogueVersionRecorded, id=catalogue_uuid(version),
                         version=version, sources=dict(sources))
