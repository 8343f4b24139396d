/** The site's name, shown in the header and page titles. */
export const SITE_NAME = 'Research briefings';
