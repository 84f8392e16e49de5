import { Type } from '@sinclair/typebox';
import { Body, Id, Timestamp } from '../../http/schemas.js';

export const Username = Type.String({
  minLength: 3,
  maxLength: 32,
  pattern: '^[a-zA-Z0-9_.-]+$',
  description: '3..32 characters of letters, digits, "_", "." and "-"; unique regardless of case',
});
const Password = Type.String({ minLength: 8, maxLength: 128, description: '8..128 characters' });

export const Credentials = Body({ username: Username, password: Password });
/** Login accepts any strings so that a malformed name still gets the same 401 as a wrong one. */
export const LoginBody = Body({ username: Type.String({ maxLength: 256 }), password: Type.String({ maxLength: 1024 }) });
export const RefreshBody = Body({ refresh_token: Type.String({ minLength: 1, maxLength: 4096 }) });
export const ChangePasswordBody = Body({ current_password: Type.String({ maxLength: 1024 }), new_password: Password });

export const User = Type.Object({ id: Id, username: Type.String(), created_at: Timestamp, updated_at: Timestamp }, { title: 'User' });

export const TokenPair = Type.Object(
  {
    access_token: Type.String(),
    refresh_token: Type.String(),
    token_type: Type.Literal('bearer'),
    expires_in: Type.Integer({ description: 'Access token lifetime in seconds' }),
    refresh_expires_in: Type.Integer({ description: 'Refresh token lifetime in seconds' }),
  },
  { title: 'TokenPair' },
);

export const Done = (field: string) => Type.Object({ [field]: Type.Literal(true) });
