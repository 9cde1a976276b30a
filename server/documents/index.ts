export { DocumentsRepository, type DocumentDetail, type DocumentSummary, type MemberView } from "./repository";
export { canEdit, isOwner, ROLES, type Role } from "./roles";
export type { DocumentEvent, DocumentEventListener } from "./events";
