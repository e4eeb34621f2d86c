// "sv-SE" formats as ISO-like "2024-05-03 14:22:00", which spreadsheets read as a date
const paris = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const parisDay = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: 'numeric', month: 'long', year: 'numeric' });
const parisLong = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'long', timeStyle: 'short' });

/** "2024-05-03 14:22:00", local time in Paris. */
export const parisDateTime = (date: Date | string) => paris.format(new Date(date));
/** "3 mai 2024". */
export const parisDate = (date: Date | string) => parisDay.format(new Date(date));
/** "3 mai 2024 à 14:22". */
export const parisLongDateTime = (date: Date | string) => parisLong.format(new Date(date));
