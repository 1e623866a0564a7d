"""The memory adapter of the `Messages` port: a mentoring's chat and its read marks."""

from __future__ import annotations

from mentorat.adapters.memory.store import InMemoryStore, Undo, copy_mentoring
from mentorat.application.ports import ChatRead, ReadMark
from mentorat.domain.chat import Message, MessagePage, NewMessage, PageRequest, chat_time, paginate
from mentorat.domain.errors import ConcurrentUpdate
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.mentoring import Mentoring
from mentorat.domain.users import UserId


class InMemoryMessages:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def add(self, new: NewMessage, decided_on: Mentoring) -> Message:
        before = self._store.mentorings.get(decided_on.id)
        if before is None or (before.status, before.mentor_id, before.mentee_id) != (
            decided_on.status,
            decided_on.mentor_id,
            decided_on.mentee_id,
        ):
            raise ConcurrentUpdate()
        at = chat_time(before.last_message_at, new.created_at)
        counted = copy_mentoring(before)
        counted.message_count += 1
        counted.last_message_at = at
        self._store.mentorings[counted.id] = counted
        self._undo.append(lambda: self._store.mentorings.__setitem__(counted.id, before))
        message = Message(
            MessageId(self._store.next_id("msg")), new.mentoring_id, new.sender_id, new.text, at
        )
        chat = self._store.messages.setdefault(new.mentoring_id, [])
        chat.append(message)
        self._undo.append(lambda: self._forget(message))
        self._read_up_to(message, counted.message_count)
        return message

    def _read_up_to(self, message: Message, read_count: int) -> None:
        """The sender has read the chat up to their message."""
        key = (message.mentoring_id, message.sender_id)
        reads = self._store.chat_reads
        before = reads.get(key)
        if before is not None and before[0] >= message.id:
            return
        reads[key] = (message.id, read_count)

        def undo() -> None:
            if before is None:
                del reads[key]
            else:
                reads[key] = before

        self._undo.append(undo)

    async def mark_read(
        self, mentoring_id: MentoringId, reader: UserId, up_to: MessageId
    ) -> ReadMark:
        mentoring = self._store.mentorings.get(mentoring_id)
        total = 0 if mentoring is None else mentoring.message_count
        chat = self._store.messages.get(mentoring_id, [])
        marker = max((m.id for m in chat if m.id <= up_to), default=0)
        key = (mentoring_id, reader)
        before = self._store.chat_reads.get(key)
        if before is not None and before[0] >= marker:
            return ReadMark(MessageId(before[0]), total - before[1])
        read_count = total - sum(1 for m in chat if m.id > marker)
        reads = self._store.chat_reads
        reads[key] = (marker, read_count)

        def undo() -> None:
            if before is None:
                del reads[key]
            else:
                reads[key] = before

        self._undo.append(undo)
        return ReadMark(MessageId(marker), total - read_count, moved=True)

    def _forget(self, message: Message) -> None:
        chat = self._store.messages[message.mentoring_id]
        chat.remove(message)
        if not chat:
            # A rollback leaves the store as it was, without an empty chat behind.
            del self._store.messages[message.mentoring_id]

    async def get(self, message_id: MessageId) -> Message | None:
        return next(
            (m for chat in self._store.messages.values() for m in chat if m.id == message_id),
            None,
        )

    async def page(self, mentoring_id: MentoringId, request: PageRequest) -> MessagePage:
        return paginate(self._store.messages.get(mentoring_id, []), request)

    async def read_chat(
        self, mentoring_id: MentoringId, reader: UserId, request: PageRequest
    ) -> ChatRead | None:
        found = self._store.mentorings.get(mentoring_id)
        if found is None:
            return None
        mentoring = copy_mentoring(found)
        page = await self.page(mentoring_id, request) if mentoring.involves(reader) else None
        return ChatRead(mentoring, page)
