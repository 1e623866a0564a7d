"""Administrator acts on accounts, from the command line or /api/admin/: verify, deactivate,
promote... Each is recorded in the audit trail with who did it and from where."""

from __future__ import annotations

from mentorat.application.actors import COMMAND_LINE, Actor
from mentorat.application.identify_caller import RecentCallers
from mentorat.application.manage_passwords import load_for_update
from mentorat.application.ports import Clock, UnitOfWork
from mentorat.application.views import AccountView
from mentorat.domain.audit import AuditAction, NewAuditEntry
from mentorat.domain.users import User, UserId


class _ChangeUser:
    action: AuditAction

    def __init__(self, uow: UnitOfWork, clock: Clock, recent: RecentCallers | None = None) -> None:
        self._uow, self._clock = uow, clock
        # This process's cache of authenticated callers forgets the user at once; other
        # processes see the change within their cache's bound (see RecentCallers).
        self._recent = recent

    def _change(self, user: User) -> None:
        raise NotImplementedError

    async def __call__(self, who: str | UserId, actor: Actor = COMMAND_LINE) -> AccountView:
        """`who`: a username, or a user id (an int)."""
        async with self._uow() as tx:
            # Held until commit: the save writes every field back, and must not undo a
            # profile edit (or another administrator's act) made meanwhile.
            user = await load_for_update(tx.users, who)
            self._change(user)
            await tx.users.save(user)
            await tx.audit.record(
                NewAuditEntry(
                    self.action,
                    self._clock.now(),
                    actor_id=actor.user_id,
                    subject_id=user.id,
                    address=actor.address,
                )
            )
            await tx.commit()
        if self._recent is not None:
            self._recent.forget(user.id)
        return AccountView.of(user)


class VerifyUser(_ChangeUser):
    """Mark a user as verified: only an administrator can vouch for someone."""

    action = AuditAction.USER_VERIFIED

    def _change(self, user: User) -> None:
        user.verify()


class UnverifyUser(_ChangeUser):
    action = AuditAction.USER_UNVERIFIED

    def _change(self, user: User) -> None:
        user.unverify()


class DeactivateUser(_ChangeUser):
    """Shut an account: it can no longer log in or refresh, and its access tokens stop working
    at once in this process, within `RecentCallers`' bound in the others."""

    action = AuditAction.USER_DEACTIVATED

    def _change(self, user: User) -> None:
        user.deactivate()


class ReactivateUser(_ChangeUser):
    action = AuditAction.USER_REACTIVATED

    def _change(self, user: User) -> None:
        user.reactivate()


class PromoteUser(_ChangeUser):
    """Make a user an administrator (`is_staff`): from the command line only."""

    action = AuditAction.USER_PROMOTED

    def _change(self, user: User) -> None:
        user.promote()


class DemoteUser(_ChangeUser):
    action = AuditAction.USER_DEMOTED

    def _change(self, user: User) -> None:
        user.demote()
