// Message templates a researcher starts from. The text is a default the
// researcher may edit before sending; the template key is stored with the
// request so reports can count which reminders go out.

export const TEMPLATE_KEYS = ["sync-device", "wear-at-night", "charge-device", "general"] as const;
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

export interface MessageTemplate {
  key: TemplateKey;
  /** Short label for the radio button. */
  label: string;
  /** Email subject line. */
  subject: string;
  /** Default body; the researcher may edit it. */
  body: string;
}

export const TEMPLATES: Readonly<Record<TemplateKey, MessageTemplate>> = {
  "sync-device": {
    key: "sync-device",
    label: "Please sync your device",
    subject: "Please sync your wearable",
    body:
      "Hello,\n\nwe have not received data from your wearable for a few days. " +
      "Please open the companion app on your phone so the watch can sync.\n\n" +
      "Thank you for taking part in the study.",
  },
  "wear-at-night": {
    key: "wear-at-night",
    label: "Please wear it at night",
    subject: "Please wear your wearable at night",
    body:
      "Hello,\n\nwe are missing sleep data for some recent nights. " +
      "If it is comfortable for you, please keep the watch on while you sleep.\n\n" +
      "Thank you for taking part in the study.",
  },
  "charge-device": {
    key: "charge-device",
    label: "Please charge your device",
    subject: "Please charge your wearable",
    body:
      "Hello,\n\nyour watch seems to run out of battery before the day ends. " +
      "Charging it during a daily routine, such as a shower, keeps the record complete.\n\n" +
      "Thank you for taking part in the study.",
  },
  general: {
    key: "general",
    label: "General message",
    subject: "A message from your study team",
    body: "Hello,\n\n\n\nThank you for taking part in the study.",
  },
};

export function templateFor(key: TemplateKey): MessageTemplate {
  return TEMPLATES[key];
}
