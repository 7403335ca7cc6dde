"""Which cached keys a transaction changed; their stamps are replaced once it has committed.

A repository function that changes what a read cache may hold calls `mark_changed`.
Sessions from `make_sessionmaker` keep the keys through the commit (a rollback drops
them) and bump their stamps when `commit()` returns or, for a `sessions.begin()`
block, when the session closes: in both cases after the commit and before the change
is reported to anyone. See `avatarium.cache`.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from avatarium.cache.stamps import Stamps

_CHANGED = "changed_keys"
_COMMITTED = "committed_keys"
STAMPS = "stamps"


def mark_changed(session: AsyncSession, *keys: str) -> None:
    changed: set[str] = session.info.setdefault(_CHANGED, set())
    changed.update(keys)


class _SyncSession(Session):
    pass


@event.listens_for(_SyncSession, "after_commit")
def _committed(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed:
        session.info.setdefault(_COMMITTED, set()).update(changed)


@event.listens_for(_SyncSession, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:  # a savepoint's rollback leaves the outer transaction's changes
        session.info.pop(_CHANGED, None)


class PublishingSession(AsyncSession):
    """An AsyncSession that bumps the stamps of what it committed."""

    sync_session_class = _SyncSession

    async def commit(self) -> None:
        await super().commit()
        await self._publish()

    async def close(self) -> None:
        await self._publish()  # what a `sessions.begin()` block committed on its way out
        await super().close()

    async def _publish(self) -> None:
        committed: set[str] | None = self.info.pop(_COMMITTED, None)
        stamps: Stamps | None = self.info.get(STAMPS)
        if committed and stamps is not None:
            await stamps.bump(committed)
