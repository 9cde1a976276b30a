import type { DatabaseClients, PrismaClient, Sql } from "../db/prisma";
import { conflict, forbidden, notFound } from "../errors";
import type { DocumentEvent, DocumentEventListener } from "./events";
import { canEdit, isOwner, type Role } from "./roles";

export interface DocumentSummary {
  id: string;
  title: string;
  role: Role;
  updatedAt: string;
  owner: { id: string; name: string };
}

export interface MemberView {
  user: { id: string; name: string; email: string; color: string };
  role: Role;
}

export interface DocumentDetail extends DocumentSummary {
  members: MemberView[];
}

const ROLE_ORDER: Record<Role, number> = { owner: 0, editor: 1, viewer: 2 };
const memberUser = { select: { id: true, name: true, email: true, color: true } } as const;

/**
 * Documents and their members. Every read and write is on behalf of a user; a document the user
 * is not a member of is reported as not found, so its existence is not revealed.
 */
export class DocumentsRepository {
  private readonly prisma: PrismaClient;
  private readonly sql: Sql;

  constructor(
    db: Pick<DatabaseClients, "prisma" | "sql">,
    private readonly onEvent: DocumentEventListener = () => {},
  ) {
    this.prisma = db.prisma;
    this.sql = db.sql;
  }

  private emit(event: DocumentEvent): void {
    this.onEvent(event);
  }

  /** The user's role in the document, or null when they have no access (or it does not exist). */
  async roleOf(documentId: string, userId: string): Promise<Role | null> {
    // Plain SQL: every WebSocket and event stream that opens asks this (see Sql).
    const { rows } = await this.sql.query<{ role: Role }>(`SELECT role FROM document_member WHERE "documentId" = $1::uuid AND "userId" = $2`, [documentId, userId]);
    return rows[0]?.role ?? null;
  }

  /** Ids of the document's members. */
  async memberIds(documentId: string): Promise<string[]> {
    const rows = await this.prisma.documentMember.findMany({ where: { documentId }, select: { userId: true } });
    return rows.map((r) => r.userId);
  }

  /** Ids of the documents the user is a member of. */
  async documentIdsOf(userId: string): Promise<string[]> {
    // Plain SQL: every event stream that opens asks this (see Sql).
    const { rows } = await this.sql.query<{ documentId: string }>(`SELECT "documentId" FROM document_member WHERE "userId" = $1`, [userId]);
    return rows.map((r) => r.documentId);
  }

  /** The user's documents, most recently updated first; `query` keeps those whose title contains it (any case). */
  async list(userId: string, query?: string): Promise<DocumentSummary[]> {
    // Prisma's `contains` becomes ILIKE with the value inside the pattern as is: its wildcards
    // must be escaped (backslash is ILIKE's default escape) for the query to match literally.
    const pattern = query?.replace(/[\\%_]/g, (c) => `\\${c}`);
    const rows = await this.prisma.documentMember.findMany({
      where: { userId, ...(pattern ? { document: { title: { contains: pattern, mode: "insensitive" } } } : {}) },
      orderBy: { document: { updatedAt: "desc" } },
      take: 500,
      select: {
        role: true,
        document: {
          select: {
            id: true,
            title: true,
            updatedAt: true,
            members: { where: { role: "owner" }, orderBy: { createdAt: "asc" }, take: 1, select: { user: { select: { id: true, name: true } } } },
          },
        },
      },
    });
    return rows.map(({ role, document }) => ({
      id: document.id,
      title: document.title,
      role,
      updatedAt: document.updatedAt.toISOString(),
      owner: document.members[0]?.user ?? { id: "", name: "" },
    }));
  }

  async create(userId: string, title: string): Promise<DocumentDetail> {
    const document = await this.prisma.document.create({
      data: { title, members: { create: { userId, role: "owner" } } },
      select: { id: true },
    });
    return this.get(document.id, userId);
  }

  /** @throws not_found when the user has no access. */
  async get(documentId: string, userId: string): Promise<DocumentDetail> {
    const document = await this.prisma.document.findFirst({
      where: { id: documentId, members: { some: { userId } } },
      select: {
        id: true,
        title: true,
        updatedAt: true,
        members: { orderBy: { createdAt: "asc" }, select: { role: true, user: memberUser } },
      },
    });
    if (!document) throw documentNotFound(documentId, userId);
    const members = [...document.members].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
    const me = members.find((m) => m.user.id === userId);
    const owner = members.find((m) => m.role === "owner");
    if (!me) throw documentNotFound(documentId, userId);
    return {
      id: document.id,
      title: document.title,
      role: me.role,
      updatedAt: document.updatedAt.toISOString(),
      owner: owner ? { id: owner.user.id, name: owner.user.name } : { id: "", name: "" },
      members,
    };
  }

  /** @throws not_found without access, forbidden for viewers. */
  async rename(documentId: string, userId: string, title: string): Promise<DocumentDetail> {
    await this.requireRole(documentId, userId, canEdit, "Only editors and owners can rename this document.");
    await this.prisma.document.update({ where: { id: documentId }, data: { title } });
    this.emit({ type: "renamed", documentId, title });
    return this.get(documentId, userId);
  }

  /** @throws not_found without access, forbidden unless owner. */
  async delete(documentId: string, userId: string): Promise<void> {
    await this.requireRole(documentId, userId, isOwner, "Only an owner can delete this document.");
    const members = await this.prisma.documentMember.findMany({ where: { documentId }, select: { userId: true } });
    await this.prisma.document.delete({ where: { id: documentId } });
    this.emit({ type: "deleted", documentId, memberIds: members.map((m) => m.userId) });
  }

  /** @throws not_found (document, or no account with that email), forbidden, conflict (already a member). */
  async addMember(documentId: string, userId: string, email: string, role: Role): Promise<MemberView> {
    await this.requireRole(documentId, userId, isOwner, "Only an owner can share this document.");
    const user = await this.prisma.user.findFirst({ where: { email: { equals: email, mode: "insensitive" } }, select: memberUser.select });
    if (!user) throw notFound(`No account uses ${email}. Ask them to sign up first, then share again.`, { documentId });
    const existing = await this.roleOf(documentId, user.id);
    if (existing) throw conflict(`${user.name} is already a member (${existing}).`, { documentId, memberId: user.id });
    try {
      await this.prisma.documentMember.create({ data: { documentId, userId: user.id, role } });
    } catch (error) {
      // Two owners adding the same person at once: the primary key decides.
      if ((error as { code?: string }).code === "P2002") throw conflict(`${user.name} is already a member.`, { documentId, memberId: user.id });
      throw error;
    }
    this.emit({ type: "member-added", documentId, userId: user.id, role });
    return { user, role };
  }

  /** @throws not_found, forbidden, conflict when it would leave the document without an owner. */
  async changeRole(documentId: string, userId: string, memberId: string, role: Role): Promise<MemberView> {
    await this.requireRole(documentId, userId, isOwner, "Only an owner can change roles.");
    const changed = await this.prisma.$transaction(async (tx) => {
      await lockDocument(tx, documentId);
      const member = await tx.documentMember.findUnique({
        where: { documentId_userId: { documentId, userId: memberId } },
        select: { role: true, user: memberUser },
      });
      if (!member) throw notFound("That person is not a member of this document.", { documentId, memberId });
      if (member.role === "owner" && role !== "owner") await requireAnotherOwner(tx, documentId, memberId);
      await tx.documentMember.update({ where: { documentId_userId: { documentId, userId: memberId } }, data: { role } });
      return { user: member.user, role };
    });
    this.emit({ type: "member-role-changed", documentId, userId: memberId, role });
    return changed;
  }

  /** Owners remove anyone; any member may remove themselves. @throws not_found, forbidden, conflict (last owner). */
  async removeMember(documentId: string, userId: string, memberId: string): Promise<void> {
    const myRole = await this.roleOf(documentId, userId);
    if (!myRole) throw documentNotFound(documentId, userId);
    if (memberId !== userId && !isOwner(myRole)) throw forbidden("Only an owner can remove other members.", { documentId, userId });
    await this.prisma.$transaction(async (tx) => {
      await lockDocument(tx, documentId);
      const member = await tx.documentMember.findUnique({ where: { documentId_userId: { documentId, userId: memberId } }, select: { role: true } });
      if (!member) throw notFound("That person is not a member of this document.", { documentId, memberId });
      if (member.role === "owner") await requireAnotherOwner(tx, documentId, memberId);
      await tx.documentMember.delete({ where: { documentId_userId: { documentId, userId: memberId } } });
    });
    this.emit({ type: "member-removed", documentId, userId: memberId });
  }

  private async requireRole(documentId: string, userId: string, allowed: (role: Role) => boolean, message: string): Promise<Role> {
    const role = await this.roleOf(documentId, userId);
    if (!role) throw documentNotFound(documentId, userId);
    if (!allowed(role)) throw forbidden(message, { documentId, userId, role });
    return role;
  }
}

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** Serialises membership changes of one document, so two owners cannot demote each other at once. */
async function lockDocument(tx: Tx, documentId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "document" WHERE id = ${documentId}::uuid FOR UPDATE`;
}

async function requireAnotherOwner(tx: Tx, documentId: string, leavingOwnerId: string): Promise<void> {
  const owners = await tx.documentMember.count({ where: { documentId, role: "owner", userId: { not: leavingOwnerId } } });
  if (owners === 0) {
    throw conflict("A document needs at least one owner. Make someone else an owner first, or delete the document.", { documentId, leavingOwnerId });
  }
}

function documentNotFound(documentId: string, userId: string) {
  return notFound("Document not found.", { documentId, userId });
}
