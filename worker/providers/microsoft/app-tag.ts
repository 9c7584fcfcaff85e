/**
 * How events created by CE are marked on Microsoft, so inbound sync updates the existing row (keeping
 * `sync_direction = outbound` and `activity_id`) instead of adding a duplicate: `transactionId`
 * (visible in delta payloads, where `$expand` of extended properties is not allowed) and a
 * single-value extended property (visible when the event is read with `$expand`). The tag value is
 * opaque to Graph; CE picks it per event.
 */

/** Named MAPI string property in a GUID namespace of our own. */
export const GRAPH_APP_TAG_PROPERTY_ID = 'String {3c8e4f62-5d1a-4a57-9a0e-6f2b9c1d7e40} Name ceCalendarTag';

/** `transactionId` of events CE creates: the prefix, then the tag. */
export const GRAPH_TRANSACTION_PREFIX = 'cecal:';

export function graphTransactionIdFor(tag: string): string {
  return `${GRAPH_TRANSACTION_PREFIX}${tag}`;
}

export function tagFromGraph(
  transactionId: string | null | undefined,
  properties: ReadonlyArray<{ id?: string; value?: string }> | undefined,
): string | null {
  const property = properties?.find((p) => p.id?.toLowerCase() === GRAPH_APP_TAG_PROPERTY_ID.toLowerCase());
  if (property?.value) return property.value;
  if (transactionId?.startsWith(GRAPH_TRANSACTION_PREFIX)) {
    const tag = transactionId.slice(GRAPH_TRANSACTION_PREFIX.length);
    return tag === '' ? null : tag;
  }
  return null;
}
