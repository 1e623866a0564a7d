"""Administrator actions on accounts, run from the command line: verify, deactivate."""

from __future__ import annotations

from mentorat.application.identify_caller import RecentCallers
from mentorat.application.ports import UnitOfWork
from mentorat.application.views import UserView
from mentorat.domain.errors import UserNotFound
from mentorat.domain.users import User


class _ChangeUser:
    def __init__(self, uow: UnitOfWork, recent: RecentCallers | None = None) -> None:
        self._uow = uow
        # This process's cache of authenticated callers forgets the user at once; other
        # processes see the change within their cache's bound (see RecentCallers).
        self._recent = recent

    def _change(self, user: User) -> None:
        raise NotImplementedError

    async def __call__(self, username: str) -> UserView:
        async with self._uow() as tx:
            # Held until commit: the save writes every field back, and must not undo a
            # profile edit (or another administrator's act) made meanwhile.
            user = await tx.users.get_by_username(username, for_update=True)
            if user is None:
                raise UserNotFound()
            self._change(user)
            await tx.users.save(user)
            await tx.commit()
        if self._recent is not None:
            self._recent.forget(user.id)
        return UserView.of(user)


class VerifyUser(_ChangeUser):
    """Mark a user as verified: only an administrator can vouch for someone."""

    def _change(self, user: User) -> None:
        user.verify()


class DeactivateUser(_ChangeUser):
    """Shut an account: it can no longer log in or refresh, and its access tokens stop working
    at once in this process, within `RecentCallers`' bound in the others."""

    def _change(self, user: User) -> None:
        user.deactivate()


class ReactivateUser(_ChangeUser):
    def _change(self, user: User) -> None:
        user.reactivate()
