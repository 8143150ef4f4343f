// What connectors need from the encrypted credential store (platform/auth/credential-store.ts).
export interface StoredCredential {
  value: string;
  /** When the credential itself stops working (e.g. Yahoo refresh token: 28 days after issue). */
  expiresAt: Date | null;
  updatedAt: Date;
}

export interface CredentialStore {
  get(name: string): Promise<StoredCredential | null>;
  put(name: string, value: string, expiresAt?: Date | null): Promise<void>;
}
