/**
 * The VNC password of a server, changeable at run time and able to expire
 * (QEMU's set_password / expire_password). Unset or expired means every VNC
 * auth attempt fails: the server fails closed, never open.
 */
export class PasswordState {
  private password: string | undefined;
  private expiresAt: number | undefined;

  constructor(password?: string) {
    this.password = password;
  }

  set(password: string | undefined): void {
    this.password = password;
    this.expiresAt = undefined;
  }

  /** After `when` every attempt fails; `undefined` means never. */
  expire(when: Date | undefined): void {
    this.expiresAt = when?.getTime();
  }

  /** The password to check against now, or why there is none. */
  current(now: number = Date.now()): { password: string } | { reason: string } {
    if (this.password === undefined) return { reason: 'no VNC password is set on the server' };
    if (this.expiresAt !== undefined && now >= this.expiresAt) return { reason: 'the VNC password has expired' };
    return { password: this.password };
  }
}
