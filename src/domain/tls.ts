/** Whether the DIP asks callers for a TLS client certificate: never, checked when presented, or always. */
export const MTLS_MODES = ['off', 'optional', 'require'] as const;
export type MtlsMode = (typeof MTLS_MODES)[number];
