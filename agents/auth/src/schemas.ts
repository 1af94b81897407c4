import {
  authLogin,
  authRegisterCredentials,
  authRevocations,
  authRevokeToken,
  authSigningKeys,
  authVerifyToken,
} from '@mesh/contracts';
import type { z } from 'zod';

/** The auth agent's schemas are its contracts' (`@mesh/contracts`); these names keep the modules short. */
export {
  authUsernameSchema as usernameSchema,
  clientAddressSchema,
  passwordSchema,
  scopeSchema,
  tokenSchema,
} from '@mesh/contracts';

export const loginInput = authLogin.input;
export const verifyTokenInput = authVerifyToken.input;
export const revokeTokenInput = authRevokeToken.input;
export const registerCredentialsInput = authRegisterCredentials.input;

export const loginOutput = authLogin.output;
export const verifyTokenOutput = authVerifyToken.output;
export const revokeTokenOutput = authRevokeToken.output;
export const registerCredentialsOutput = authRegisterCredentials.output;

export const signingKeysOutput = authSigningKeys.output;
export const revocationsInput = authRevocations.input;
export const revocationsOutput = authRevocations.output;

export type SigningKeysOutput = z.infer<typeof signingKeysOutput>;
export type RevocationsInput = z.infer<typeof revocationsInput>;
export type RevocationsOutput = z.infer<typeof revocationsOutput>;
export type LoginInput = z.infer<typeof loginInput>;
export type LoginOutput = z.infer<typeof loginOutput>;
export type VerifyTokenInput = z.infer<typeof verifyTokenInput>;
export type VerifyTokenOutput = z.infer<typeof verifyTokenOutput>;
export type RevokeTokenInput = z.infer<typeof revokeTokenInput>;
export type RevokeTokenOutput = z.infer<typeof revokeTokenOutput>;
export type RegisterCredentialsInput = z.infer<typeof registerCredentialsInput>;
export type RegisterCredentialsOutput = z.infer<typeof registerCredentialsOutput>;
