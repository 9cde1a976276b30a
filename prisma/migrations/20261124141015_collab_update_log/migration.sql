-- CreateTable
CREATE TABLE "document_update" (
    "id" BIGSERIAL NOT NULL,
    "documentId" UUID NOT NULL,
    "data" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "document_update_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "document_snapshot" (
    "documentId" UUID NOT NULL,
    "data" BYTEA NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "document_snapshot_pkey" PRIMARY KEY ("documentId")
);

-- CreateIndex
CREATE INDEX "document_update_documentId_id_idx" ON "document_update"("documentId", "id");

-- AddForeignKey
ALTER TABLE "document_update" ADD CONSTRAINT "document_update_documentId_fkey" FOREIGN KEY ("documentId") REFERENCES "document"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "document_snapshot" ADD CONSTRAINT "document_snapshot_documentId_fkey" FOREIGN KEY ("documentId") REFERENCES "document"("id") ON DELETE CASCADE ON UPDATE CASCADE;
