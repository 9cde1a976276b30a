export { DocumentsRepository, type DocumentDetail, type DocumentSummary, type MemberView } from "./repository";
export { canEdit, isOwner, ROLES, type Role } from "./roles";
export { DocumentEventSchema, type DocumentEvent, type DocumentEventListener } from "./events";
export { canonicalDocumentId, DocumentIdSchema, isCanonicalDocumentId } from "./id";
