import type { ComponentChildren } from "preact"

/** Every mutation goes through this: nothing runs until the person presses the confirm button. */
export interface ConfirmRequest {
  title: string
  body: ComponentChildren
  confirmLabel: string
  onConfirm: () => void
}

export const Confirm = ({ req, onClose }: { req: ConfirmRequest | null; onClose: () => void }) =>
  req ? (
    <div class="modal-backdrop" role="dialog" aria-modal="true" data-testid="confirm-dialog">
      <div class="modal">
        <h3>{req.title}</h3>
        <div class="modal-body">{req.body}</div>
        <div class="modal-actions">
          <button type="button" class="secondary" data-testid="confirm-cancel" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            class="primary"
            data-testid="confirm-ok"
            onClick={() => {
              onClose()
              req.onConfirm()
            }}
          >
            {req.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  ) : null
