from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.models import RevokedToken, Role, User

# Built once: per request, building it cost more than running it.
_USER_UNLESS_REVOKED = select(
    User, exists().where(RevokedToken.jti == bindparam("jti")).label("revoked")
).where(User.id == bindparam("user_id"))


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_id(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def get_unless_revoked(self, user_id: int, jti: str) -> tuple[User | None, bool]:
        """The user and whether the token `jti` is revoked, in one round trip."""
        parameters = {"user_id": user_id, "jti": jti}
        row = (await self.session.execute(_USER_UNLESS_REVOKED, parameters)).first()
        if row is None:
            return None, await RevokedTokenRepository(self.session).is_revoked(jti)
        return row[0], bool(row[1])

    async def get_by_email(self, email: str) -> User | None:
        result = await self.session.execute(select(User).where(User.email == email.lower()))
        return result.scalar_one_or_none()

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(User)) or 0)

    async def page(
        self,
        *,
        role: Role | None,
        is_active: bool | None,
        email_contains: str | None,
        offset: int,
        limit: int,
    ) -> tuple[list[User], int]:
        """Users matching every given filter, oldest first, and how many match in all."""
        where: list[ColumnElement[bool]] = []
        if role is not None:
            where.append(User.role == role.value)
        if is_active is not None:
            where.append(User.is_active.is_(is_active))
        if email_contains:
            where.append(User.email.contains(email_contains.lower(), autoescape=True))
        total = await self.session.scalar(select(func.count()).select_from(User).where(*where))
        rows = await self.session.scalars(
            select(User).where(*where).order_by(User.id).offset(offset).limit(limit)
        )
        return list(rows), int(total or 0)

    async def lock_active_admin_ids(self) -> list[int]:
        """The active admins, their rows locked until commit (PostgreSQL; SQLite has one writer),
        so two admins demoting each other at once cannot leave none."""
        rows = await self.session.scalars(
            select(User.id)
            .where(User.role == Role.admin.value, User.is_active.is_(True))
            .with_for_update()
        )
        return list(rows)

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user


class RevokedTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def is_revoked(self, jti: str) -> bool:
        return await self.session.get(RevokedToken, jti) is not None

    async def revoke(self, jti: str, expires_at: datetime) -> None:
        if not await self.is_revoked(jti):
            self.session.add(RevokedToken(jti=jti, expires_at=expires_at))
            await self.session.flush()

    async def purge_expired(self, now: datetime) -> int:
        result = await self.session.execute(
            delete(RevokedToken).where(RevokedToken.expires_at < now)
        )
        return int(getattr(result, "rowcount", 0) or 0)
